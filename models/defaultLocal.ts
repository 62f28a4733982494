/**
 * The embedded default model, used when no model is named and no OpenAI key is set. Pinned by revision and checksum
 * so that every user runs the same bytes: a file that does not hash to `sha256` is deleted, never loaded.
 *
 * Qwen2.5-0.5B-Instruct (Alibaba Cloud, Apache-2.0), Q4_K_M quantisation by bartowski: about 400 MB, instruction
 * tuned, follows JSON formats well for its size, and runs on a laptop CPU.
 */
export interface PinnedModel {
  /** Short name shown to the user. */
  name: string;
  /** File name in the cache folder. */
  fileName: string;
  /** Download URL, pinned to a repository revision so the bytes cannot change under the checksum. */
  url: string;
  sha256: string;
  sizeBytes: number;
  license: string;
  licenseUrl: string;
  source: string;
}

export const DEFAULT_LOCAL_MODEL: PinnedModel = {
  name: "Qwen2.5-0.5B-Instruct Q4_K_M",
  fileName: "Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
  url: "https://huggingface.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF/resolve/b26a58accf53b1a19fbc555d52fdb224bec473f5/Qwen2.5-0.5B-Instruct-Q4_K_M.gguf",
  sha256: "6eb923e7d26e9cea28811e1a8e852009b21242fb157b26149d3b188f3a8c8653",
  sizeBytes: 397_808_192,
  license: "Apache-2.0",
  licenseUrl: "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct/blob/main/LICENSE",
  source: "https://huggingface.co/bartowski/Qwen2.5-0.5B-Instruct-GGUF",
};
