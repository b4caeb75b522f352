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
   * A lost connection is opened again, a second later and then waiting twice as long each time
   * up to half a minute; `onReconnect` is told when it is back (what happened meanwhile was
   * not heard). An error the server answers the subscription with goes to `onError` and ends
   * the listening: asking again would get the same answer.
   */
  subscribe(query, onData, { onError = () => {}, onReconnect = () => {} } = {}) {
    const url = new URL(`${this.endpoint}/ws`, window.location.href);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    let socket = null;
    let stopped = false;
    let wait = 1000;
    let connectedBefore = false;
    let again = null;
    const open = () => {
      if (stopped) return;
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
          wait = 1000;
          socket.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query } }));
          if (connectedBefore) onReconnect();
          connectedBefore = true;
        } else if (message.type === "next" && message.payload) {
          const errors = message.payload.errors || [];
          if (errors.length) {
            const first = errors[0];
            stop();
            onError(new ApiError(first.message, first.extensions && first.extensions.code));
          } else if (message.payload.data) {
            onData(message.payload.data);
          }
        } else if (message.type === "error") {
          const first = (Array.isArray(message.payload) && message.payload[0]) || {};
          stop();
          onError(new ApiError(first.message || "The server refused to send changes.", first.extensions && first.extensions.code));
        } else if (message.type === "complete") {
          // the server ended it: listen again.
          socket.close();
        } else if (message.type === "ping") {
          socket.send(JSON.stringify({ type: "pong" }));
        }
      };
      socket.onclose = () => {
        if (stopped) return;
        again = setTimeout(open, wait);
        wait = Math.min(wait * 2, 30000);
      };
    };
    const stop = () => {
      stopped = true;
      clearTimeout(again);
      if (socket) socket.close();
    };
    open();
    return stop;
  }
}
