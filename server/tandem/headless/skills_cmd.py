"""``tandem skills list [--json]`` and ``tandem skills validate [PATH]``.

``list`` prints the skills a thread started in the cwd would see (:mod:`tandem.skills.discovery`):
one line per skill (``name``, scope, ``explicit only`` / ``disabled`` marks, the path, then the
description), and each broken ``SKILL.md`` as a ``warning:`` line on stderr. ``--json`` prints
``{"skills": [Skill.to_json()...], "errors": [{"path", "message"}...]}``.

``validate`` checks ``SKILL.md`` files against the Agent Skills spec (:mod:`tandem.skills.frontmatter`):
``PATH`` may be a ``SKILL.md``, a skill's folder, or a folder of skills (walked like a skills root);
without ``PATH`` every ``SKILL.md`` under the cwd's skill roots. It prints
``path:line: error|warning: message`` per problem and ``N file(s) checked, E error(s), W warning(s)``;
the exit code is 1 when there is an error (or nothing to check), else 0.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tandem.config import load_config
from tandem.errors import TandemError
from tandem.skills.discovery import SKILL_FILENAME, Invocation, find_skill_files, home_dir, load_for_config, skill_roots
from tandem.skills.frontmatter import Severity, check_skill_text


def list_command(cwd: Path, *, as_json: bool) -> int:
    """Print the skills for ``cwd``; 1 on a configuration error, else 0."""
    try:
        load = load_for_config(load_config(cwd))
    except TandemError as exc:
        sys.stderr.write(f"tandem skills list: {exc.message}\n")
        return 1
    if as_json:
        payload = {
            "skills": [skill.to_json() for skill in load.skills],
            "errors": [{"path": str(error.path), "message": error.message} for error in load.errors],
        }
        sys.stdout.write(json.dumps(payload, indent=2) + "\n")
        return 0
    for error in load.errors:
        sys.stderr.write(f"warning: {error.path}: {error.message}\n")
    if not load.skills:
        sys.stdout.write("No skills found.\n")
        return 0
    for skill in load.skills:
        marks = [skill.scope.value]
        if skill.invocation is Invocation.EXPLICIT:
            marks.append("explicit only")
        if not skill.enabled:
            marks.append("disabled")
        sys.stdout.write(f"{skill.name} ({', '.join(marks)})  {skill.path}\n    {skill.description}\n")
    return 0


def _targets(path: Path | None, cwd: Path) -> list[Path]:
    if path is None:
        config = load_config(cwd)
        roots = skill_roots(config.cwd, config.tandem_home, home_dir(), config.skills.include_claude)
        return [found for root in roots for found in find_skill_files(root.path)]
    if path.is_file():
        return [path]
    if (path / SKILL_FILENAME).is_file():
        return [path / SKILL_FILENAME]
    return find_skill_files(path)


def validate_command(path: Path | None, cwd: Path) -> int:
    """Check the ``SKILL.md`` files at ``path`` (see the module docstring); the exit code."""
    try:
        targets = _targets(path, cwd)
    except TandemError as exc:
        sys.stderr.write(f"tandem skills validate: {exc.message}\n")
        return 1
    if not targets:
        sys.stderr.write(f"tandem skills validate: no {SKILL_FILENAME} found{f' at {path}' if path else ''}\n")
        return 1
    errors = warnings = 0
    for target in targets:
        try:
            text = target.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            sys.stdout.write(f"{target}:1: error: cannot read the file: {exc}\n")
            errors += 1
            continue
        for problem in check_skill_text(text, target):
            sys.stdout.write(f"{target}:{problem.line + 1}: {problem.severity.value}: {problem.message}\n")
            if problem.severity is Severity.ERROR:
                errors += 1
            else:
                warnings += 1
    sys.stdout.write(f"{len(targets)} file(s) checked, {errors} error(s), {warnings} warning(s)\n")
    return 1 if errors else 0
