/**
 * Entry of the chat page (bundled to dist/webview.js). Host messages are queued and folded into
 * the view state once per animation frame; the header, transcript and composer then update only
 * what changed. Everything the user does goes back to the host as a WebviewToHost message.
 */
import type { HostToWebview } from "../src/shared/webviewMessages";
import { createBridge } from "./bridge";
import { Composer, type Draft } from "./composer";
import { h, setText } from "./dom";
import type { RenderContext } from "./render/common";
import { ConnectionBanner } from "./render/connection";
import { ComposerBar } from "./render/composerBar";
import { listenForChatKeys } from "./keys";
import { HeaderView } from "./render/header";
import { SetupView } from "./render/setup";
import { TranscriptView } from "./render/transcript";
import { retryText } from "./render/retry";
import { emptyHintText, offeredSlashCommands } from "./slash";
import { initialState, isRunning, reduceAll, turnInput, type ViewState } from "./state";

/** Past this many queued messages (a hidden panel gets no animation frames) fold them at once. */
const MAX_QUEUE = 1_000;

interface Saved {
  draft?: Draft;
}

function start(): void {
  const bridge = createBridge();
  let state: ViewState = initialState();
  let rendered: ViewState | null = null;
  const queue: HostToWebview[] = [];
  let scheduled = false;

  const ctx: RenderContext = {
    post: (m) => bridge.post(m),
    cwd: () => state.thread?.cwd ?? null,
    threadId: () => state.activeThreadId,
    turnInput: (turnId) => turnInput(state, turnId),
    provider: () => state.thread?.modelProvider ?? null,
  };
  const header = new HeaderView(ctx.post);
  const composer = new Composer(ctx.post, (draft) => bridge.setState({ draft } satisfies Saved),
    () => transcript.follower.toBottom());
  const bar = new ComposerBar(ctx.post);
  composer.el.append(bar.el); // the model / effort / approval pickers and the token meter, under the composer
  const list = h("div", { class: "transcript-list" });
  const emptyHint = h("p", {}, emptyHintText(offeredSlashCommands(null)));
  const empty = h("div", { class: "empty" },
    h("p", { class: "empty-title" }, "Ask Tandem to work on your code."),
    emptyHint);
  const scroller = h("main", {
    class: "transcript", role: "log", "aria-live": "polite", "aria-relevant": "additions", "aria-label": "Conversation",
  }, empty, list);
  const retry = h("div", { class: "retry", role: "status", hidden: true });
  const transcript = new TranscriptView(scroller, list, ctx, () => composer.focus());
  const pane = h("div", { class: "transcript-pane" }, scroller, transcript.follower.el);
  const setupView = new SetupView(ctx.post);
  const banner = new ConnectionBanner(ctx.post);
  let statusSeen = false;

  const root = document.getElementById("app") ?? document.body.appendChild(h("div", { id: "app" }));
  root.replaceChildren(header.el, setupView.el, pane, retry, banner.el, composer.el);
  /** The setup view replaces the conversation and the composer while it shows. */
  const showSetup = (shown: boolean): void => {
    for (const el of [pane, composer.el]) el.hidden = shown;
    if (shown) retry.hidden = true;
  };

  const saved = bridge.getState() as Saved | undefined;
  if (saved?.draft) composer.restore(saved.draft);

  const render = (): void => {
    if (rendered === state) return;
    header.render(state);
    bar.render(state);
    transcript.render(state);
    empty.hidden = state.order.length > 0;
    if (state.slashCommands !== rendered?.slashCommands) {
      const offered = offeredSlashCommands(state.slashCommands);
      composer.setSlashCommands(offered);
      setText(emptyHint, emptyHintText(offered));
    }
    composer.setRunning(isRunning(state));
    // Send follows the host's connection report, or (before one) the status line's.
    if (banner.state === null) composer.setConnected(!statusSeen || state.status.connected);
    scroller.setAttribute("aria-busy", String(isRunning(state)));
    retry.hidden = state.retry === null || setupView.visible;
    if (state.retry) setText(retry, retryText(state.retry));
    rendered = state;
  };

  const flush = (): void => {
    scheduled = false;
    fold();
    render();
  };

  const fold = (): void => {
    if (queue.length === 0) return;
    try {
      state = reduceAll(state, queue.splice(0));
    } catch (err) {
      console.error("tandem: could not apply host messages", err);
    }
  };

  bridge.onMessage((message) => {
    queue.push(message);
    if (message.type === "insert") composer.insert(message);
    else if (message.type === "mentionResults") composer.mentionResults(message);
    else if (message.type === "skills") composer.skillsResults(message);
    else if (message.type === "restoreDraft") composer.restoreDraft(message);
    else if (message.type === "status") statusSeen = true;
    else if (message.type === "setup") {
      setupView.update(message);
      showSetup(setupView.visible);
    } else if (message.type === "setupResult") setupView.showResult(message);
    else if (message.type === "connection") {
      banner.update(message);
      composer.setConnected(message.state === "running");
    }
    if (queue.length >= MAX_QUEUE) fold();
    if (!scheduled) {
      scheduled = true;
      requestAnimationFrame(flush);
    }
  });

  listenForChatKeys(document, {
    running: () => isRunning(state),
    stop: () => bridge.post({ type: "interrupt" }),
    newThread: () => bridge.post({ type: "newThread" }),
  }, /Mac|iPhone|iPad/.test(navigator.platform));

  render();
  document.documentElement.dataset["tandemReady"] = "true";
  bridge.post({ type: "ready" });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start, { once: true });
else start();
