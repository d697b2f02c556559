-- Headless Neovim 0.7 drives `tandem lsp` like a user: open a file, pick "Fix with Tandem" from the
-- real code-action menu, approve through the showMessageRequest fallback, wait for the buffer edit.
-- Inputs come from environment variables; the outcome is written as JSON to $TANDEM_NVIM_RESULT.
local root = os.getenv("TANDEM_NVIM_ROOT")
local python = os.getenv("TANDEM_NVIM_PYTHON")
local result_path = os.getenv("TANDEM_NVIM_RESULT")
local result = { menu = {}, prompts = {}, errors = {} }

local function finish()
  local f = io.open(result_path, "w")
  f:write(vim.fn.json_encode(result))
  f:close()
  vim.cmd("qa!")
end

local client_id = vim.lsp.start_client({
  name = "tandem",
  cmd = { python, "-m", "tandem.cli", "lsp", "--approval-policy", "untrusted" },
  root_dir = root,
  on_exit = function(code) result.exit_code = code end,
})
vim.cmd("edit " .. root .. "/geo.py")
local buf = vim.api.nvim_get_current_buf()
vim.lsp.buf_attach_client(buf, client_id)
vim.wait(10000, function()
  local c = vim.lsp.get_client_by_id(client_id)
  return c ~= nil and c.initialized
end, 20)

-- A diagnostic on line 2, as a linter would publish it.
local ns = vim.api.nvim_create_namespace("fake-linter")
vim.diagnostic.set(ns, buf, { {
  lnum = 1, col = 11, end_lnum = 1, end_col = 16, severity = vim.diagnostic.severity.WARNING,
  message = "'h' is unused; did you mean w * h?", source = "fake-linter",
} })

-- The user picks "Fix with Tandem" in the menu and answers the approval prompt with "Accept".
vim.ui.select = function(items, opts, on_choice)
  for i, item in ipairs(items) do
    local action = item[2] or item
    local title = action.title or (action[2] and action[2].title) or tostring(action)
    table.insert(result.menu, title)
    if title == "Fix with Tandem" then
      on_choice(item, i)
      return
    end
  end
  on_choice(nil, nil)
end
vim.fn.inputlist = function(lines)
  table.insert(result.prompts, table.concat(lines, "\n"))
  for i, line in ipairs(lines) do
    if line:match("^%d+%. Accept$") then return i - 1 end
  end
  return 0
end

vim.api.nvim_win_set_cursor(0, { 2, 12 })
vim.lsp.buf.code_action()
local fixed = vim.wait(30000, function()
  return vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1] == "    return w * h"
end, 50)
result.fixed = fixed
result.lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false)
result.modified = vim.bo[buf].modified
finish()
