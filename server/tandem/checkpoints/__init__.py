"""Checkpoints: file contents by hash, workspace scans, each thread's checkpoint log, and undo/redo.

Undo must work in folders that are not git repositories and must see what shell commands
changed, so Tandem keeps its own small content-addressed store instead of ghost commits. Under
``$TANDEM_HOME/checkpoints`` (:class:`~tandem.checkpoints.home.CheckpointHome`):

- ``objects/ab/cdef…`` — file contents named by SHA-256, shared by all threads
  (:mod:`tandem.checkpoints.store`);
- ``scans/<sha256(root)[:16]>.json`` — the last scan of a workspace root
  (:mod:`tandem.checkpoints.scan`);
- ``<thread_id>/log.jsonl`` — the thread's checkpoint log (:mod:`tandem.checkpoints.log`);
- ``active/<pid>-<turn_id>`` — markers of running turns, with their folder
  (:mod:`tandem.checkpoints.activity`): ``tandem checkpoints prune`` deletes no object while there
  are any, no undo runs across one, and two turns changing one folder at once each record only
  their own apply_patch edits.

:mod:`tandem.checkpoints.undo` reverts a logged entry. The per-turn recorder that writes the
log is :mod:`tandem.agent.turn_checkpoint`. Every ``OSError`` met here leaves the package as
:class:`~tandem.errors.CheckpointError`.
"""
