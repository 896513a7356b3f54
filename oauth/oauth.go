// Package oauth is Hearth's OAuth 2 authorization server for third-party
// clients, built on github.com/ory/fosite.
package oauth

import _ "github.com/ory/fosite/compose" // the authorization server, being written
