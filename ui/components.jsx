/**
 * The agents' views in a chat client: LangGraph generative-UI components (langgraph.json `ui`), bundled by the
 * LangGraph server and loaded by agent-chat-ui (or any `useStream` client with LoadExternalComponent) under the
 * turn's answer message. The server sends them as `agent_view` and `decision` events (ui/views.ts, which types their
 * props). They render in a shadow root, so they carry their own inline styles. React comes from the host page.
 */

const AGENTS = {
  anger: { name: "Anger", colour: "#c62828" },
  disgust: { name: "Disgust", colour: "#2e7d32" },
  fear: { name: "Fear", colour: "#6a1b9a" },
  happiness: { name: "Joy", colour: "#e09100" },
  sadness: { name: "Sadness", colour: "#1565c0" },
  surprise: { name: "Surprise", colour: "#ef6c00" },
};

const who = (agent) => AGENTS[agent] ?? { name: agent, colour: "#546e7a" };

const card = (colour) => ({
  borderLeft: `4px solid ${colour}`,
  background: "#fafafa",
  borderRadius: "6px",
  padding: "6px 10px",
  margin: "4px 0",
  fontFamily: "system-ui, sans-serif",
  fontSize: "13px",
  lineHeight: 1.4,
  color: "#222",
});

const confidence = (c) => (typeof c === "number" ? ` (${c.toFixed(2)})` : "");

/** One agent's opinion (ERC: the emotion it reads) or proposed reply (ERG), or why it failed. */
function AgentView({ agent, task, emotion, confidence: c, rationale, reply, failed }) {
  const a = who(agent);
  return (
    <div data-insideout="agent-view" data-agent={agent} style={card(a.colour)}>
      <strong style={{ color: a.colour }}>{a.name}</strong>
      {failed ? (
        <span style={{ color: "#b71c1c" }}> could not answer: {failed}</span>
      ) : task === "erc" ? (
        <span>
          {" "}reads <strong>{emotion}</strong>
          {confidence(c)}
          {rationale ? <span style={{ color: "#555" }}> — {rationale}</span> : null}
        </span>
      ) : (
        <span>
          {" "}would say{confidence(c)}: <em>“{reply}”</em>
        </span>
      )}
    </div>
  );
}

/** What the aggregate agent decided: ERC's emotion, or which agent's reply ERG chose and why. */
function Decision({ task, emotion, confidence: c, decidedBy, author, rationale, recognized }) {
  return (
    <div data-insideout="decision" style={{ ...card("#37474f"), background: "#eceff1" }}>
      <strong>Aggregate agent</strong>
      {task === "erc" ? (
        <span>
          {" "}decided <strong>{emotion}</strong>
          {confidence(c)}
          {decidedBy && decidedBy !== "llm" ? ` by ${decidedBy}` : ""}
        </span>
      ) : (
        <span>
          {" "}chose <strong>{who(author).name}</strong>’s reply
          {recognized ? ` (recognised emotion: ${recognized})` : ""}
        </span>
      )}
      {rationale ? <div style={{ color: "#555" }}>{rationale}</div> : null}
    </div>
  );
}

export default { agent_view: AgentView, decision: Decision };
