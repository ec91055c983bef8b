/** A set of digit prefixes answering "which listed prefix does this number start with?" by longest match. */
export class PrefixSet {
  private readonly prefixes: ReadonlySet<string>;
  private readonly longest: number;

  constructor(prefixes: Iterable<string>) {
    this.prefixes = new Set(prefixes);
    let longest = 0;
    for (const prefix of this.prefixes) longest = Math.max(longest, prefix.length);
    this.longest = longest;
  }

  get size(): number {
    return this.prefixes.size;
  }

  /** The longest listed prefix of `digits`, or undefined. */
  match(digits: string): string | undefined {
    for (let length = Math.min(this.longest, digits.length); length > 0; length -= 1) {
      const candidate = digits.slice(0, length);
      if (this.prefixes.has(candidate)) return candidate;
    }
    return undefined;
  }

  toArray(): string[] {
    return [...this.prefixes].sort();
  }
}
