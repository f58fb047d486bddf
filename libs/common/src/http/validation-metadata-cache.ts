import { getMetadataStorage } from 'class-validator';
import type { ValidationMetadata } from 'class-validator/types/metadata/ValidationMetadata';

type Storage = ReturnType<typeof getMetadataStorage> & {
  getTargetValidationMetadatas(target: Function, schema: string | undefined, always: boolean, strictGroups: boolean, groups?: string[]): ValidationMetadata[];
  groupByPropertyName(metadata: ValidationMetadata[]): Record<string, ValidationMetadata[]>;
  addValidationMetadata(metadata: ValidationMetadata): void;
  addConstraintMetadata(metadata: unknown): void;
  addValidationSchema(schema: unknown): void;
};

const installed = new WeakSet<object>();

/**
 * Makes class-validator's metadata lookups O(1) after the first request of each DTO class.
 *
 * class-validator 0.15 answers `getTargetValidationMetadatas` by filtering the class's metadata and then walking
 * EVERY registered class to test inheritance (an `instanceof` each), on every validate() of every nested object;
 * then `groupByPropertyName` regroups the result: the top class-validator frame of a push profile (about 2% of
 * the server's CPU on its own). The answers depend
 * only on the arguments and on the registered metadata, which decorators add when modules load: they are cached
 * per (class, schema, always, strictGroups) for calls without groups, and the cache is dropped whenever metadata is
 * added, so a class declared later is seen as before. The arrays are shared: callers only read them.
 */
export function cacheValidationMetadata(storage: Storage = getMetadataStorage() as Storage): void {
  if (installed.has(storage)) return;
  installed.add(storage);
  let byTarget = new Map<unknown, Map<string, ValidationMetadata[]>>();
  let grouped = new WeakMap<ValidationMetadata[], Record<string, ValidationMetadata[]>>();
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const group = storage.groupByPropertyName.bind(storage);
  const reset = () => {
    byTarget = new Map();
    grouped = new WeakMap();
  };
  for (const name of ['addValidationMetadata', 'addConstraintMetadata', 'addValidationSchema'] as const) {
    const add = (storage[name] as (m: unknown) => void).bind(storage);
    (storage as unknown as Record<string, (m: unknown) => void>)[name] = (m: unknown) => {
      reset();
      add(m);
    };
  }
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    if (groups?.length) return lookup(target, schema, always, strictGroups, groups);
    let forTarget = byTarget.get(target);
    if (!forTarget) byTarget.set(target, (forTarget = new Map()));
    const key = `${String(schema)}\u0000${always}\u0000${strictGroups}`;
    let found = forTarget.get(key);
    if (!found) forTarget.set(key, (found = lookup(target, schema, always, strictGroups, groups)));
    return found;
  };
  storage.groupByPropertyName = (metadata) => {
    let g = grouped.get(metadata);
    if (!g) grouped.set(metadata, (g = group(metadata)));
    return g;
  };
}
