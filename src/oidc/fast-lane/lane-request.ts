/** What a lane sees of a request: its form parameters, its Authorization header and the caller's address. */
export type LaneRequest = {
  params: Record<string, string>;
  authorization: string | undefined;
  ip: string;
};
