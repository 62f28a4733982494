/** The judge-calibration record that Table 4 reads: kept per judge, replaced whole, a damaged file named in one line. */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { calibrationLine, loadCalibrations, saveCalibration } from "../../evaluations/calibrationRecord.js";

const dir = mkdtempSync(path.join(tmpdir(), "calibration-record-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("the judge-calibration record", () => {
  it("is empty before any calibration, keeps each judge's own entry, and is owner-only", async () => {
    const file = path.join(dir, "record.json");
    expect(loadCalibrations(file)).toEqual({});
    const a = { date: "2026-12-01", conversations: 50, kappa: { empathy: 0.5, relevance: 0.25, fluency: 0.125 } };
    const b = { date: "2026-12-02", conversations: 10, kappa: { empathy: 1 } };
    await saveCalibration("openai:a", a, file);
    await saveCalibration("openai:b", b, file);
    await saveCalibration("openai:a", { ...a, conversations: 49 }, file);
    expect(loadCalibrations(file)).toEqual({ "openai:a": { ...a, conversations: 49 }, "openai:b": b });
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it("names a damaged file and says what to do, in one line", () => {
    const file = path.join(dir, "damaged.json");
    writeFileSync(file, '{"openai:a": {"date": 1}}');
    expect(() => loadCalibrations(file)).toThrow(`The judge-calibration record ${file} is damaged: delete it and run insideout judge calibrate again.`);
    writeFileSync(file, "{not json");
    expect(() => loadCalibrations(file)).toThrow(new RegExp(`^The judge-calibration record ${file} is not JSON \\(.*\\): delete it`));
  });

  it("says how to calibrate a judge that was not", () => {
    expect(calibrationLine("openai:j", undefined)).toBe("Judge openai:j is not checked against human experts: run insideout judge calibrate --judge-model openai:j.");
  });
});
