/** The WebSocket subprotocol an MCP connection must ask for (both sides use it). */
export const MCP_WS_SUBPROTOCOL = 'mcp';
