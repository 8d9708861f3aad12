/** What `interned` adds each string to and removes it from at once. */
const internedNames: Record<string, 0> = Object.create(null) as Record<string, 0>;

/**
 * `value`, kept once by the engine however many times it was built or parsed: a string every socket keeps for its
 * lifetime — an organization's id, its room's name, a role — would otherwise be held once per socket (~60–90 B
 * each). A string added as a property key is internalized: V8 keeps one copy of each such string and turns this
 * one into a reference to it, which the collector then puts in its place wherever it is held.
 */
export function interned<T extends string>(value: T): T {
  internedNames[value] = 0;
  delete internedNames[value];
  return value;
}
