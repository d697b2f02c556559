"""Agent Skills: discovery, SKILL.md front matter, the prompt catalog, explicit injection."""
