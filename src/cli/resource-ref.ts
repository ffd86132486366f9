import { InvalidArgumentError } from 'commander';
import type { ResourceRef } from '@tessera/verify';

/** Parses `groups/42` for flags such as --parent and --resource. */
export const parseResourceRef =
  (flag: string) =>
  (value: string): ResourceRef => {
    const match = /^([^/\s]+)\/([^/\s]+)$/.exec(value);
    if (!match) throw new InvalidArgumentError(`${flag} must look like TYPE/ID, e.g. groups/42`);
    return { type: match[1] as string, id: match[2] as string };
  };
