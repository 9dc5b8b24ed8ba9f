import type { BaselineLearned } from './baseline-learned.event.js';

export * from './baseline-learned.event.js';

export type BaselineEvent = BaselineLearned;
