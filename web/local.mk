# web/: the admin dashboard, static files that palisade-mgmtd serves with
# --web-root (no build step). Installed to $(datadir)/palisade/web, where
# systemd/palisade-mgmtd.service points.
palisadewebdir = $(datadir)/palisade
nobase_dist_palisadeweb_DATA = web/index.html web/favicon.svg web/css/app.css \
	web/js/api.js web/js/app.js web/js/chart.js web/js/conn_doc.js web/js/dom.js web/js/live.js \
	web/js/session.js web/js/ui.js web/js/validate.js web/js/validate/conn.js \
	web/js/validate/ident.js web/js/validate/net.js web/js/validate/preset.js web/js/validate/proposal.js \
	web/js/validate/records.js web/js/pages/cas.js web/js/pages/conns.js \
	web/js/pages/eap.js web/js/pages/events.js web/js/pages/overview.js \
	web/js/pages/pools.js web/js/pages/sas.js
