// Types of judge-ranges.mjs (plain JavaScript, so that stryker.config.mjs can import it).
export declare const SCENARIO_DIR: string;
export declare function scenarioModules(root: string): string[];
export declare function judgeLineRanges(file: string, text: string): { start: number; end: number }[];
export declare function scenarioMutateEntries(root: string): string[];
export declare function withoutJudgeCode(file: string, text: string): string;
