// Problem details are shared with the ledger's API (@thoth/http); imported from here across the control plane.
export { jsonPointer, problem, ProblemError, problemType, ProblemSchema, type Problem, type ProblemDetail } from '@thoth/http';
