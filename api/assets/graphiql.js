// Starts GraphiQL on the element #graphiql, against the endpoint its data-endpoint names. A
// file of its own (not an inline script) so that the Content-Security-Policy can forbid inline
// scripts.
"use strict";

const root = document.getElementById("graphiql");
// the nonce this answer's Content-Security-Policy allows for the one style element GraphiQL's
// dialogs add (the library reads it under this name).
window.__webpack_nonce__ = root.dataset.styleNonce;
const fetcher = GraphiQL.createFetcher({
  url: new URL(root.dataset.endpoint, window.location.href).href,
});
ReactDOM.createRoot(root).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultEditorToolsVisibility: true,
  }),
);
