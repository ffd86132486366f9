import { type FSWatcher, type Stats, unwatchFile, watch, watchFile } from 'node:fs';
import { KEY_FILE_NAME, keyFilePath } from './key-file.ts';

export type KeyWatcher = { stop: () => void };

export type WatchKeysOptions = { debounceMs?: number; pollIntervalMs?: number };

/**
 * Calls `onChange` after `<keysDir>/jwks.json` changes. The directory is watched rather than the
 * file because writes replace the file by a rename, which a watch on the old inode would miss; a
 * stat poll backs it up on shared volumes (NFS, some container mounts) where inotify sees nothing.
 * Both sources fire for one write, and a write fires several events, hence the debounce. Nothing
 * here keeps the process alive.
 */
export const watchKeys = (
  keysDir: string,
  onChange: () => void,
  options: WatchKeysOptions = {},
): KeyWatcher => {
  const { debounceMs = 100, pollIntervalMs = 2_000 } = options;
  const path = keyFilePath(keysDir);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const changed = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      if (!stopped) onChange();
    }, debounceMs);
    timer.unref();
  };

  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(keysDir, { persistent: false }, (_event, filename) => {
      // Some platforms do not report the name; the temporary file and the lock are not changes.
      if (filename === null || filename === KEY_FILE_NAME) changed();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    // No directory yet, or no watch support here: the poll still sees the file.
    watcher = undefined;
  }

  const poll = (current: Stats, previous: Stats) => {
    if (
      current.mtimeMs !== previous.mtimeMs ||
      current.ino !== previous.ino ||
      current.size !== previous.size
    ) {
      changed();
    }
  };
  watchFile(path, { persistent: false, interval: pollIntervalMs }, poll);

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      watcher?.close();
      unwatchFile(path, poll);
    },
  };
};
