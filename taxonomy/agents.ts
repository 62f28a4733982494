/** The emotion agents: Ekman's five basic emotions, and `surprise` as the optional sixth. */
export const EKMAN_AGENTS = ["anger", "disgust", "fear", "happiness", "sadness"] as const;
export const ALL_AGENTS = [...EKMAN_AGENTS, "surprise"] as const;
export type AgentEmotion = (typeof ALL_AGENTS)[number];
