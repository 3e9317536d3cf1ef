// The indexer is built in its own issue; until then it exports nothing rather than pretend to work.
export {};
