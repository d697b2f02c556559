"""Hooks: user commands run at points of a session (Claude Code's and Codex's ``hooks.json`` format).

``config`` finds and parses the hook definitions, ``events`` builds the JSON each command reads on stdin,
``runner`` runs one command, ``dispatch`` fires the matching commands of an event and reads their answers
(docs/architecture.md "Hooks", docs/reference-facts.md §11).
"""
