import { Argument, Command } from 'commander';

/**
 * `thoth completion bash|zsh`: a completion script made from the command tree itself, so it
 * never falls behind a new command or option. Commander has no completion of its own; this walks
 * its commands and options and prints one case per command path.
 */
export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script: eval "$(thoth completion bash)", or in .zshrc: eval "$(thoth completion zsh)"')
    .addArgument(new Argument('<shell>').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      const table = paths(root(), []);
      process.stdout.write(shell === 'bash' ? bash(table) : zsh(table));
    });
}

/** Every command path ("policy test") and the words that may follow it. */
function paths(command: Command, prefix: string[]): Array<{ path: string; words: string[] }> {
  const words = [...command.commands.map((c) => c.name()), ...command.options.flatMap((o) => [o.long, o.short].filter((f): f is string => f !== undefined)), '--help'];
  return [{ path: prefix.join(' '), words }, ...command.commands.flatMap((c) => paths(c, [...prefix, c.name()]))];
}

function cases(table: Array<{ path: string; words: string[] }>): string {
  return table.map(({ path, words }) => `    "${path}") words="${words.join(' ')}" ;;`).join('\n');
}

function bash(table: Array<{ path: string; words: string[] }>): string {
  return `# thoth completion for bash
_thoth() {
  local path="" word words i
  for ((i = 1; i < COMP_CWORD; i++)); do
    word="\${COMP_WORDS[i]}"
    case "$word" in -*) ;; *) case "\${path:+$path }$word" in ${table.filter((t) => t.path !== '').map((t) => `"${t.path}"`).join('|')}) path="\${path:+$path }$word" ;; esac ;; esac
  done
  case "$path" in
${cases(table)}
  esac
  COMPREPLY=($(compgen -W "$words" -- "\${COMP_WORDS[COMP_CWORD]}"))
  [[ \${#COMPREPLY[@]} -eq 0 ]] && COMPREPLY=($(compgen -f -- "\${COMP_WORDS[COMP_CWORD]}"))
}
complete -F _thoth thoth
`;
}

function zsh(table: Array<{ path: string; words: string[] }>): string {
  return `#compdef thoth
# thoth completion for zsh (bash's, through bashcompinit)
autoload -U +X bashcompinit && bashcompinit
${bash(table).replace('# thoth completion for bash\n', '')}`;
}
