/**
 * The composer's `$` completion for skills (server: `tandem/skills/list`, README "Skills").
 * A `$query` at the caret (after the start or a space; name characters `[A-Za-z0-9_:-]`, as the
 * server's mention parser, server/tandem/skills/inject.py) offers the enabled, user-invocable skills
 * whose name starts with the query; choosing one writes `$name ` and the composer sends a
 * `skill {name, path}` input item beside the text.
 */

/** What the panel knows of one skill (a `tandem/skills/list` entry). */
export interface SkillEntry {
  name: string;
  description: string;
  path: string;
  enabled: boolean;
  userInvocable: boolean;
}

export interface SkillQuery {
  start: number;
  end: number;
  query: string;
}

const NAME_CHAR = /[A-Za-z0-9_:-]/;

/** The `$query` the caret is in, or null. */
export function findSkillQuery(text: string, caret: number): SkillQuery | null {
  if (caret < 0 || caret > text.length) return null;
  let i = caret - 1;
  while (i >= 0 && NAME_CHAR.test(text[i] as string)) i--;
  if (i < 0 || text[i] !== "$") return null;
  if (i > 0 && !/\s/.test(text[i - 1] as string)) return null;
  if (caret < text.length && NAME_CHAR.test(text[caret] as string)) return null;
  return { start: i, end: caret, query: text.slice(i + 1, caret) };
}

/** The skills to offer for `query`: enabled, user-invocable, name prefix (case-insensitive), by name. */
export function skillMatches(query: string, skills: readonly SkillEntry[]): SkillEntry[] {
  const prefix = query.toLowerCase();
  return skills
    .filter((s) => s.enabled && s.userInvocable && s.name.toLowerCase().startsWith(prefix))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** The text with the query replaced by `$name ` and the caret after it. */
export function applySkill(text: string, q: SkillQuery, name: string): { text: string; caret: number } {
  const inserted = `$${name} `;
  const rest = text.slice(q.end).replace(/^ /, "");
  return { text: text.slice(0, q.start) + inserted + rest, caret: q.start + inserted.length };
}

/** The `skill` input items for the skills the text still mentions (a chosen one the user deleted is dropped). */
export function skillInputs(text: string, chosen: readonly SkillEntry[]): { type: "skill"; name: string; path: string }[] {
  const seen = new Set<string>();
  const out: { type: "skill"; name: string; path: string }[] = [];
  for (const s of chosen) {
    const mentioned = new RegExp(`(^|\\s)\\$${s.name.replace(/[-:]/g, "\\$&")}(?![A-Za-z0-9_:-])`).test(text);
    if (mentioned && !seen.has(s.path)) {
      seen.add(s.path);
      out.push({ type: "skill", name: s.name, path: s.path });
    }
  }
  return out;
}

/** The `/skills` listing: one line per skill, `$name — description` (explicit-only ones too). */
export function skillsListing(skills: readonly SkillEntry[]): string {
  if (skills.length === 0) return "No skills found (see README: Skills).";
  return skills
    .map((s) => `$${s.name} — ${s.description}${s.enabled ? "" : " (disabled)"}`)
    .join("\n");
}
