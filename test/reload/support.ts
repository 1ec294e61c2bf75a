// Config files for the reload tests: the TOML an operator would edit, with the price, upstreams
// and extra tables a test changes between reloads.
export interface ConfigFile {
  /** [server] keys (data_dir, port, host, …) as TOML values. */
  server?: Record<string, string | number>;
  /** [prices.default] input and output per million, in credits. */
  inputPerMillion: string;
  outputPerMillion: string;
  upstreams: { name: string; url: string; models: string[] }[];
  /** More TOML, appended as is (plans, instance types, a mistake). */
  extra?: string;
}

export function configToml(file: ConfigFile): string {
  const lines: string[] = [];
  if (file.server) {
    lines.push('[server]');
    for (const [key, value] of Object.entries(file.server)) lines.push(`${key} = ${JSON.stringify(value)}`);
  }
  lines.push('[wallet]', 'trial_credits = 0');
  lines.push('[prices.default]', `input_per_million = ${JSON.stringify(file.inputPerMillion)}`, `output_per_million = ${JSON.stringify(file.outputPerMillion)}`);
  for (const upstream of file.upstreams) {
    lines.push('[[upstreams]]', `name = ${JSON.stringify(upstream.name)}`, `url = ${JSON.stringify(upstream.url)}`, `models = ${JSON.stringify(upstream.models)}`);
  }
  if (file.extra) lines.push(file.extra);
  return `${lines.join('\n')}\n`;
}
