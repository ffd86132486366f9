import { readFileSync } from 'node:fs';
import { AppError } from '../../errors.ts';
import { type PolicyDefinition, policyDefinition } from './policy.ts';

/** Reads TESSERA_POLICY_FILE: a JSON document replacing the default resource types, roles and matrix. */
export const loadPolicyFile = (path: string): PolicyDefinition => {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AppError('config_invalid', `TESSERA_POLICY_FILE ${path} is not readable JSON`, {
      cause: error,
    });
  }
  const parsed = policyDefinition.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `  ${issue.path.join('.') || '(document)'}: ${issue.message}`,
    );
    throw new AppError('config_invalid', `TESSERA_POLICY_FILE ${path} is invalid:\n${problems.join('\n')}`);
  }
  return parsed.data;
};
