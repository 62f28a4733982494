/**
 * Installs the LLM cache (store/cache.ts `withCache`, which also reaches ChatOpenAI's constructor fields) on every
 * model resolved while an eval runs; the returned function puts back what each model had before, since providers
 * may share one model object per process (models/openai.ts).
 */
import { addModelHook } from "../models/factory.js";
import type { ResolvedModel } from "../models/types.js";
import { withCache, type SqliteCache } from "../store/cache.js";

export function installCache(cache: SqliteCache): () => void {
  const touched = new Map<ResolvedModel["chat"], { cache: unknown; fields: unknown; hadFieldsCache: boolean }>();
  const fieldsOf = (chat: ResolvedModel["chat"]): { cache?: unknown } | undefined => {
    const fields: unknown = (chat as unknown as { fields?: unknown }).fields;
    return fields && typeof fields === "object" ? (fields as { cache?: unknown }) : undefined;
  };
  const remove = addModelHook((m) => {
    if (!touched.has(m.chat)) {
      const fields = fieldsOf(m.chat);
      touched.set(m.chat, { cache: m.chat.cache, fields: fields?.cache, hadFieldsCache: fields ? "cache" in fields : false });
      withCache(m.chat, cache);
    }
    return m;
  });
  return () => {
    remove();
    for (const [chat, previous] of touched) {
      chat.cache = previous.cache as ResolvedModel["chat"]["cache"];
      const fields = fieldsOf(chat);
      if (fields) {
        if (previous.hadFieldsCache) fields.cache = previous.fields;
        else delete fields.cache;
      }
    }
  };
}
