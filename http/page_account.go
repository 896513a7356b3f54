package http

import (
	"net/http"

	"github.com/hearth-iot/hearth/http/web"
)

// accountPages registers the account pages.
func (s *server) accountPages(handle func(pattern string, h http.Handler)) {
	handle("GET /account", s.page("account", s.pageAccount()))
}

// pageAccount shows the signed-in person's account.
func (s *server) pageAccount() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		p.Title = "Account"
		return s.render(w, r, http.StatusOK, "account", p)
	}
}
