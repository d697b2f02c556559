/**
 * The `/skills` listing (a `skills` message with `show`): one row per skill the server sees —
 * `$name`, its description and its SKILL.md (a link that opens it), with its scope and whether it
 * is disabled or explicit-only — then the SKILL.md files that failed to load, with their error.
 */
import { h } from "../dom";
import { displayPath } from "../mentions";
import type { SkillsEntry } from "../state";
import type { Card, RenderContext } from "./common";

function fileLink(ctx: RenderContext, path: string): HTMLButtonElement {
  const shown = displayPath(path, ctx.cwd());
  return h("button", {
    class: "link path skill-path", type: "button", title: `Open ${path}`, "aria-label": `Open ${shown}`,
    onclick: () => ctx.post({ type: "openFile", path }),
  }, shown);
}

export function skillsCard(entry: SkillsEntry, ctx: RenderContext): Card<SkillsEntry> {
  const el = h("section", { class: "entry skills", "aria-label": "Skills" });
  const update = (e: SkillsEntry): void => {
    const rows = e.skills.map((s) => {
      const tags = [s.scope, s.enabled ? "" : "disabled", s.userInvocable ? "" : "not user-invocable",
        s.implicitInvocation ? "" : "explicit only"].filter(Boolean).join(" · ");
      return h("li", { class: s.enabled ? "skill" : "skill disabled" },
        h("div", { class: "skill-head" },
          h("code", { class: "skill-name" }, `$${s.name}`),
          tags ? h("span", { class: "skill-tags" }, tags) : null),
        h("div", { class: "skill-description" }, s.description),
        fileLink(ctx, s.path));
    });
    const broken = e.errors.map((err) =>
      h("li", { class: "skill broken" }, fileLink(ctx, err.path), h("div", { class: "skill-error" }, err.message)));
    const parts: HTMLElement[] = [h("div", { class: "skills-title" },
      e.skills.length ? `Skills (${e.skills.length})` : "No skills found (see the README: Skills)")];
    if (rows.length) parts.push(h("ul", { class: "skills-list" }, ...rows));
    if (broken.length) {
      parts.push(h("div", { class: "skills-title broken" },
        `Could not load ${broken.length} SKILL.md file${broken.length === 1 ? "" : "s"}`));
      parts.push(h("ul", { class: "skills-list broken" }, ...broken));
    }
    el.replaceChildren(...parts);
  };
  update(entry);
  return { el, update };
}
