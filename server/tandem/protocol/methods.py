"""Method names of Tandem's custom LSP protocol (docs/architecture.md), each with its params/result types."""

from __future__ import annotations

from typing import Final

# client -> server requests
THREAD_START: Final = "tandem/thread/start"
THREAD_LIST: Final = "tandem/thread/list"
THREAD_RESUME: Final = "tandem/thread/resume"
THREAD_FORK: Final = "tandem/thread/fork"
THREAD_COMPACT: Final = "tandem/thread/compact"
THREAD_ROLLBACK: Final = "tandem/thread/rollback"
TURN_START: Final = "tandem/turn/start"
TURN_INTERRUPT: Final = "tandem/turn/interrupt"
TURN_STEER: Final = "tandem/turn/steer"
CHANGE_ACCEPT: Final = "tandem/change/accept"
CHANGE_REJECT: Final = "tandem/change/reject"
CHANGE_PREVIEW: Final = "tandem/change/preview"
CHANGE_READ: Final = "tandem/change/read"
UNDO: Final = "tandem/undo"
REDO: Final = "tandem/redo"
CHANGE_HUNKS: Final = "tandem/change/hunks"
CHANGE_ACCEPT_FILES: Final = "tandem/change/acceptFiles"
CHANGE_REJECT_FILES: Final = "tandem/change/rejectFiles"
PROVIDER_STATUS: Final = "tandem/provider/status"
PROVIDER_TEST: Final = "tandem/provider/test"
MODEL_LIST: Final = "tandem/model/list"
SKILLS_LIST: Final = "tandem/skills/list"

# server -> client request
REQUEST_APPROVAL: Final = "tandem/requestApproval"

# server -> client notifications
TURN_STARTED: Final = "tandem/turn/started"
TURN_COMPLETED: Final = "tandem/turn/completed"
ITEM_STARTED: Final = "tandem/item/started"
ITEM_UPDATED: Final = "tandem/item/updated"
ITEM_COMPLETED: Final = "tandem/item/completed"
AGENT_MESSAGE_DELTA: Final = "tandem/item/agentMessageDelta"
REASONING_DELTA: Final = "tandem/item/reasoningDelta"
COMMAND_OUTPUT_DELTA: Final = "tandem/item/commandOutputDelta"
PLAN_UPDATED: Final = "tandem/turn/planUpdated"
DIFF_UPDATED: Final = "tandem/turn/diffUpdated"
STREAM_RETRY: Final = "tandem/turn/streamRetry"
TOKEN_USAGE: Final = "tandem/thread/tokenUsage"
SERVER_REQUEST_RESOLVED: Final = "tandem/serverRequest/resolved"
CHANGE_UPDATED: Final = "tandem/change/updated"
TURN_UNDONE: Final = "tandem/turn/undone"
MCP_STATUS: Final = "tandem/mcp/status"
