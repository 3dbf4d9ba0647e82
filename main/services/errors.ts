/** Any failure -> the one error body the UI shows: a CodError as it is, anything else as an internal error. */
import { isCodError } from '../base/errors.ts';
import type { ApiErrorBody, CurriculumIssue } from '../api/types.ts';

export function errorBody(e: unknown): ApiErrorBody {
  if (isCodError(e)) {
    const issues = (e as { issues?: unknown }).issues;
    return {
      code: e.code,
      message: e.message,
      ...(e.where ? { where: e.where } : {}),
      ...(Array.isArray(issues)
        ? {
            issues: (issues as CurriculumIssue[]).map((i) => ({
              line: i.line,
              col: i.col,
              field: i.field,
              message: i.message,
            })),
          }
        : {}),
    };
  }
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'internal', message: `internal error: ${message.split('\n')[0]}` };
}
