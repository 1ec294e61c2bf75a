// Label strings (`route="/v1/models",status="200"`), built once per combination of values and
// kept: a request's labels are found by nested map lookups, without building a string.

export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

type Value = string | number;

/** The label strings of one family, for one, two or three label names. */
export class LabelSets {
  private readonly root = new Map<Value, unknown>();

  constructor(private readonly names: readonly string[]) {}

  of1(a: Value): string {
    let labels = this.root.get(a) as string | undefined;
    if (labels === undefined) this.root.set(a, (labels = this.build([a])));
    return labels;
  }

  of2(a: Value, b: Value): string {
    const level = this.level(this.root, a);
    let labels = level.get(b) as string | undefined;
    if (labels === undefined) level.set(b, (labels = this.build([a, b])));
    return labels;
  }

  of3(a: Value, b: Value, c: Value): string {
    const level = this.level(this.level(this.root, a), b);
    let labels = level.get(c) as string | undefined;
    if (labels === undefined) level.set(c, (labels = this.build([a, b, c])));
    return labels;
  }

  private level(parent: Map<Value, unknown>, key: Value): Map<Value, unknown> {
    let child = parent.get(key) as Map<Value, unknown> | undefined;
    if (child === undefined) parent.set(key, (child = new Map()));
    return child;
  }

  private build(values: Value[]): string {
    return this.names.map((name, index) => `${name}="${escapeLabelValue(String(values[index]))}"`).join(',');
  }
}
