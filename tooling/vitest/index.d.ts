import type { UserWorkspaceConfig } from "vitest/config";

export function ledgerProject(name: string, options?: { testTimeout?: number }): UserWorkspaceConfig;
