package http

// ClientRouteScope returns what the route pattern needs of an OAuth grant
// (clientRoutes): its scope, or "" and why no client may call it, and
// whether the table lists it at all. For TestClientRoutesComplete.
func ClientRouteScope(pattern string) (scope, why string, listed bool) {
	cr, ok := clientRoutes[pattern]
	return cr.scope, cr.why, ok
}
