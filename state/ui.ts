/** The state's `ui` key: generative-UI events of a chat run (written by ui/views.ts), one per id. */
/** A generative-UI event as LangGraph's `typedUi` writes it (`@langchain/langgraph-sdk/react-ui`'s UIMessage). */
export interface UiEvent {
  type: "ui";
  id: string;
  name: "agent_view" | "decision";
  props: Record<string, unknown>;
  metadata: { message_id: string; run_id?: string };
}

/** The generative-UI list's reducer, as `uiMessageReducer` of `@langchain/langgraph-sdk/react-ui` (which loads React). */
export function reduceUi(state: UiEvent[], update: UiEvent[]): UiEvent[] {
  const next = state.slice();
  for (const event of update) {
    const i = next.findIndex((e) => e.id === event.id);
    if (i >= 0) next[i] = event;
    else next.push(event);
  }
  return next;
}
