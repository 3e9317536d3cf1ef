import { describe, expect, it } from "vitest";
import { assertSubjectPrefix, eventSubject, followSubject } from "./subjects.js";

describe("subjects", () => {
  it("are <prefix>.<event_type>.<run>, the run one token, _ for no run", () => {
    expect(eventSubject("ledger", { event_type: "run.created", run_id: "bt-42" })).toBe(
      "ledger.run.created.bt-42",
    );
    expect(eventSubject("ledger", { event_type: "run.created", run_id: "bt.4_2" })).toBe(
      "ledger.run.created.bt%2E4_2",
    );
    expect(eventSubject("ledger", { event_type: "alert.ingested" })).toBe("ledger.alert.ingested._");
    expect(eventSubject("ledger", { event_type: "run.started", run_id: "_" })).toBe("ledger.run.started.%5F");
  });

  it("never hold an empty token, a wildcard or whitespace", () => {
    expect(eventSubject("p", { event_type: ".my..type.", run_id: "r" })).toBe("p.%2Emy%2E.type%2E.r");
    expect(eventSubject("p", { event_type: "a b*>", run_id: "r" })).toBe("p.a%20b%2A%3E.r");
  });

  it("narrow a follow to one type and run when they are given", () => {
    expect(followSubject("ledger")).toBe("ledger.>");
    expect(followSubject("ledger", "trial.recorded")).toBe("ledger.trial.recorded.*");
    expect(followSubject("ledger", "trial.recorded", "r.1")).toBe("ledger.trial.recorded.r%2E1");
  });

  it("refuse a prefix with wildcards or empty tokens", () => {
    expect(() => assertSubjectPrefix("ledger.prod")).not.toThrow();
    for (const bad of ["", "a..b", "a.*", "a.>", "a b", ".a"])
      expect(() => assertSubjectPrefix(bad)).toThrow(/subject prefix/);
  });
});
