import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Copy, DockerfileParser, Healthcheck, type Instruction, JSONInstruction } from 'dockerfile-ast';
import { userEnv } from './user-env.ts';

/**
 * The Dockerfile read as stages, and an emulation of its build that needs no Docker engine: each
 * stage's WORKDIR (/app) becomes a directory of its own, COPY copies from the repository or from an
 * earlier stage's directory, and RUN steps run there. What cannot run outside a container (chown to
 * the image's user, cleaning npm's cache) is recorded, not run; a step the emulation does not know
 * fails loudly, so a new Dockerfile step gets a decision rather than a silent pass.
 */

export const WORKDIR = '/app';

export type Stage = { name: string; image: string; instructions: Instruction[] };

export const parseStages = (text: string): Stage[] => {
  const stages: Stage[] = [];
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction.getKeyword() === 'FROM') {
      const args = instruction.getArguments().map((arg) => arg.getValue());
      stages.push({ name: args[2] ?? `stage${stages.length}`, image: args[0] ?? '', instructions: [] });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
};

/** An instruction's words: the JSON form's strings when it has them, else its shell-form arguments. */
export const words = (instruction: Instruction): string[] => {
  if (instruction instanceof JSONInstruction && instruction.getJSONStrings().length > 0)
    return instruction.getJSONStrings().map((arg) => arg.getJSONValue());
  return instruction.getArguments().map((arg) => arg.getValue());
};

export const byKeyword = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((instruction) => instruction.getKeyword() === keyword);

export type CopyStep = { from: string | undefined; sources: string[]; destination: string };

export const copySteps = (stage: Stage): CopyStep[] =>
  stage.instructions
    .filter((instruction): instruction is Copy => instruction instanceof Copy)
    .map((copy) => {
      const args = words(copy);
      return {
        from: copy.getFromFlag()?.getValue() ?? undefined,
        sources: args.slice(0, -1),
        destination: args.at(-1) ?? '',
      };
    });

/** The shell-form commands of a stage's RUN steps, split at `&&`. */
export const runCommands = (stage: Stage): string[] =>
  byKeyword(stage, 'RUN').flatMap((run) =>
    (run.getArgumentsContent() ?? '')
      .split('&&')
      .map((command) => command.replace(/\s+/g, ' ').trim())
      .filter(Boolean),
  );

/** HEALTHCHECK CMD [...]: the exec-form command. */
export const healthcheckCommand = (stage: Stage): string[] | undefined => {
  const check = stage.instructions.find((instruction) => instruction instanceof Healthcheck);
  const match = /^CMD\s+(\[.*\])\s*$/s.exec(check?.getArgumentsContent() ?? '');
  return match ? (JSON.parse(match[1] as string) as string[]) : undefined;
};

/** `/app/x` inside a stage → that stage's directory + `/x`. */
export const inStage = (directory: string, path: string): string =>
  path === WORKDIR || path.startsWith(`${WORKDIR}/`)
    ? join(directory, path.slice(WORKDIR.length))
    : join(directory, path);

export type EmulatedBuild = {
  directories: Map<string, string>;
  /** Commands recorded rather than run, per stage. */
  skipped: Map<string, string[]>;
};

/**
 * Builds every stage into `root/<stage>`. `npm ci` with every dependency is a link to the
 * repository's node_modules (installed by `npm ci` from the same lockfile); `npm ci --omit=dev`
 * runs for real, so the runtime stage holds exactly the production dependencies.
 */
export const emulateBuild = (stages: Stage[], context: string, root: string): EmulatedBuild => {
  const directories = new Map<string, string>();
  const skipped = new Map<string, string[]>();
  for (const stage of stages) {
    const directory = join(root, stage.name);
    mkdirSync(directory, { recursive: true });
    directories.set(stage.name, directory);
    skipped.set(stage.name, []);
    for (const instruction of stage.instructions) {
      if (instruction instanceof Copy) {
        const [step] = copySteps({ ...stage, instructions: [instruction] });
        if (!step) continue;
        const origin = step.from === undefined ? undefined : directories.get(step.from);
        if (step.from !== undefined && !origin)
          throw new Error(`COPY --from=${step.from}: no such stage before ${stage.name}`);
        const target = inStage(directory, step.destination);
        for (const source of step.sources) {
          const path = origin ? inStage(origin, source) : join(context, source);
          const into = step.destination.endsWith('/') ? join(target, basename(source)) : target;
          cpSync(path, into, { recursive: true, verbatimSymlinks: true });
        }
      } else if (instruction.getKeyword() === 'RUN') {
        for (const command of runCommands({ ...stage, instructions: [instruction] })) {
          runStep(stage.name, command, directory, context, skipped);
        }
      }
    }
  }
  return { directories, skipped };
};

const runStep = (
  stage: string,
  command: string,
  directory: string,
  context: string,
  skipped: Map<string, string[]>,
) => {
  const args = command.split(' ');
  const run = (file: string, list: string[]) =>
    execFileSync(file, list, { cwd: directory, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  if (args[0] === 'npm' && args[1] === 'ci') {
    if (args.includes('--omit=dev')) run('npm', [...args.slice(1), '--prefer-offline']);
    else symlinkSync(join(context, 'node_modules'), join(directory, 'node_modules'), 'dir');
  } else if (args[0] === 'npm' && args[1] === 'run') {
    run('npm', args.slice(1));
  } else if (
    // Container-only steps: the machine's npm cache is not the image's, and the image's user and
    // absolute paths do not exist here. The test checks what they do (the paths they name) instead.
    (args[0] === 'npm' && args[1] === 'cache') ||
    ['mkdir', 'chown', 'chmod'].includes(args[0] ?? '')
  ) {
    skipped.get(stage)?.push(command);
  } else {
    throw new Error(`the Dockerfile emulation does not know the step \`${command}\` (stage ${stage})`);
  }
};
