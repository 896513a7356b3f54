package http

import (
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// transparencyPages registers the transparency pages: the privacy hub that
// links the notice's layers with a QR code to the notice, the QR code on
// its own, and the page saying who can see a person's data.
func (s *server) transparencyPages(handle func(pattern string, h http.Handler)) {
	handle("GET /privacy/hub", s.publicPage("privacy", s.pagePrivacyHub()))
	handle("GET /privacy/qr.svg", s.handleNoticeQR())
	handle("GET /households/{hh}/people/{person}/access", s.page("home", s.forPersonPage("access", s.pageAccess())))
}

// hubPage is the content of the privacy hub.
type hubPage struct {
	Notice    manifest.NoticeDoc
	NoticeURL string        // the notice's address as people reach it
	QR        template.HTML // NoticeURL as a QR code
	Children  bool          // a children's notice is published
}

// pagePrivacyHub shows the layers of the privacy notice (NOTICE-LAYERED):
// the short summary, links to the full notice, the children's notice, the
// plain text for voice interfaces, the JSON for machines and the terms,
// and a QR code of the notice's address for devices with small or no
// screens.
func (s *server) pagePrivacyHub() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		n := s.notices()
		if n.manifest == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "no privacy notice is served here")
		}
		u := s.noticeURL(r)
		qr, err := web.QRSVG(u, "QR code of the privacy notice's address, "+u)
		if err != nil {
			return err
		}
		p.Data = hubPage{Notice: n.doc, NoticeURL: u, QR: qr, Children: n.child != nil}
		return s.render(w, r, http.StatusOK, "transparency", p)
	}
}

// handleNoticeQR serves the QR code of the notice's address as an SVG
// image, to print on a device's packaging or show on a small screen.
func (s *server) handleNoticeQR() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.notices().manifest == nil {
			s.writeError(w, r, hearth.Errorf(hearth.ENOTFOUND, "no privacy notice is served here"))
			return
		}
		u := s.noticeURL(r)
		qr, err := web.QRSVG(u, "QR code of the privacy notice's address, "+u)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write([]byte(qr))
	})
}

// noticeURL returns the privacy notice's address as people reach it:
// under Config.PublicURL when it is set, else under the host the request
// named.
func (s *server) noticeURL(r *http.Request) string {
	base := strings.TrimSuffix(s.PublicURL, "/")
	if base == "" {
		scheme := "http"
		if s.secureCookies(r) {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + "/privacy"
}

// accessPage is the content of "who can see your data".
type accessPage struct {
	Person     personPage
	Readers    []accessReader
	Shares     []accessShare
	Recipients []manifest.NoticeRecipient
	Requests   []hearth.RightsRequest
	Categories map[string]string // category ID → name
	// Accesses are the latest accesses to the data, from the audit log;
	// AuditKept says the log is kept here, AccessesHidden that the viewer
	// may not see it (only the person, or whoever exercises their rights).
	Accesses       []accessRow
	AuditKept      bool
	AccessesHidden bool
}

// pageAccesses is the most accesses the page lists.
const pageAccesses = 200

// accessReader is a member who may read the person's data, in words.
type accessReader struct {
	household.Reader
	Why        string
	Categories []string // names
}

// accessShare is a share the person granted, in words.
type accessShare struct {
	Category, With string
	Time           time.Time
}

// readerWhy says, for the person whose data it is, why policy lets a
// member read it.
var readerWhy = map[policy.Reason]string{
	policy.ReasonOwnData:        "It is their own data.",
	policy.ReasonChildData:      "They are the guardian of this child.",
	policy.ReasonManagedProfile: "This is a profile without an account, which the household's owners and its guardian manage.",
	policy.ReasonShared:         "It was shared with them, one kind of data at a time; the share can be taken back on the Data page.",
}

// pageAccess shows who can see a person's data: the members policy lets
// read it and which kinds (the same decision as every read), the shares
// the person granted, the organisations the manifest names as recipients,
// the rights requests made, exports among them, and who actually accessed
// the data, from the audit log (AUDIT).
func (s *server) pageAccess() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		ctx, hh, person := r.Context(), pp.Household.ID, pp.PersonID
		d := accessPage{Person: pp, Categories: map[string]string{}}
		for _, c := range s.notices().doc.Categories {
			d.Categories[c.ID] = c.Name
		}
		d.Recipients = s.notices().doc.Recipients
		readers, err := s.Households.Readers(ctx, caller(r), hh, person)
		if err != nil {
			return err
		}
		names := map[string]string{}
		members, err := s.Households.Members(ctx, caller(r), hh)
		if err != nil {
			return err
		}
		for _, m := range members {
			names[m.PersonID] = m.DisplayName
		}
		for _, rd := range readers {
			ar := accessReader{Reader: rd, Why: readerWhy[rd.Reason]}
			for _, c := range rd.Categories {
				ar.Categories = append(ar.Categories, nameOf(d.Categories, c))
			}
			d.Readers = append(d.Readers, ar)
		}
		shares, err := s.Consents.Shares(ctx, hh, person)
		if err != nil {
			return err
		}
		for _, sh := range shares {
			d.Shares = append(d.Shares, accessShare{Category: nameOf(d.Categories, sh.Category), With: nameOf(names, sh.With), Time: sh.Time})
		}
		if s.Rights != nil {
			if d.Requests, err = s.Rights.Requests(ctx, caller(r), hh, person); err != nil {
				return err
			}
		}
		if s.Audit != nil && s.Rights != nil {
			d.AuditKept = true
			as, err := s.accesses(ctx, caller(r), hh, person, pageAccesses)
			switch hearth.ErrorCode(err) {
			case "":
				purposes := map[string]string{}
				for _, pu := range s.notices().doc.Purposes {
					purposes[pu.ID] = pu.Name
				}
				d.Accesses = accessWords(as, caller(r), person, names, purposes, s.clientNames(ctx, as))
			case hearth.EFORBIDDEN:
				d.AccessesHidden = true
			default:
				return err
			}
		}
		p.Data = d
		return s.render(w, r, http.StatusOK, "access", p)
	}
}

// nameOf returns names[id], or id when it has no name.
func nameOf(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return n
	}
	return id
}
