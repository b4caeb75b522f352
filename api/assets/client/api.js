// The server, as the web client reaches it: GraphQL over HTTP (POST) and subscriptions over
// WebSocket (the graphql-transport-ws protocol), through the public API only.

/** A GraphQL error a person can read, with its code (`UNAUTHENTICATED`, `FORBIDDEN`, ...). */
export class ApiError extends Error {
  constructor(message, code) {
    super(message);
    this.code = code || null;
  }
}

/** One database's GraphQL endpoint, with the signed-in user's token. */
export class Api {
  /** `database`: empty for the server's default database, else its name. */
  constructor(database) {
    this.database = database || "";
    this.endpoint = this.database
      ? `/db/${encodeURIComponent(this.database)}/graphql`
      : "/graphql";
    this.token = null;
    this.company = null;
  }

  /** Runs `query` with `variables`; the data, or an ApiError. */
  async request(query, variables = {}) {
    const headers = {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    if (this.company) headers["x-company"] = this.company;
    let response;
    try {
      response = await fetch(this.endpoint, {
        method: "POST",
        headers,
        body: JSON.stringify({ query, variables }),
      });
    } catch (error) {
      throw new ApiError(`The server cannot be reached (${error.message}).`, "UNREACHABLE");
    }
    let body;
    try {
      body = await response.json();
    } catch {
      throw new ApiError(
        response.status === 404
          ? `There is no database '${this.database}' on this server.`
          : `The server answered ${response.status} ${response.statusText}.`,
        response.status === 404 ? "NO_DATABASE" : "HTTP",
      );
    }
    if (body.errors && body.errors.length) {
      const first = body.errors[0];
      throw new ApiError(first.message, first.extensions && first.extensions.code);
    }
    return body.data;
  }

  /**
   * Subscribes to `query`: `onData` gets each result's data; returns a function that stops.
   * Reconnects after a lost connection (a second later), so a client keeps listening.
   */
  subscribe(query, onData) {
    const url = new URL(`${this.endpoint}/ws`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket = null;
    let stopped = false;
    const open = () => {
      socket = new WebSocket(url.href, "graphql-transport-ws");
      socket.onopen = () => {
        const payload = {};
        if (this.token) payload.authorization = `Bearer ${this.token}`;
        if (this.company) payload.company = this.company;
        socket.send(JSON.stringify({ type: "connection_init", payload }));
      };
      socket.onmessage = (event) => {
        let message;
        try {
          message = JSON.parse(event.data);
        } catch {
          return;
        }
        if (message.type === "connection_ack") {
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
        } else if (message.type === "next" && message.payload && message.payload.data) {
          onData(message.payload.data);
        } else if (message.type === "ping") {
          socket.send(JSON.stringify({ type: "pong" }));
        }
      };
      socket.onclose = () => {
        if (!stopped) setTimeout(open, 1000);
      };
    };
    open();
    return () => {
      stopped = true;
      if (socket) socket.close();
    };
  }
}
