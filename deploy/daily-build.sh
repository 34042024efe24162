#!/bin/sh
# The daily build and deploy of the public site (README, "Running it"): events move from
# upcoming to past with the day of the build, so the site is built every day.
#
#   deploy/daily-build.sh PROJECT TARGET
#
# PROJECT is the project's working copy (mkdocs.yml, content/). Its site/ is kept between runs:
# the calendar carries each event's SEQUENCE and DTSTAMP over from the previous
# site/termine/kalender.ics, so calendar apps see a changed event as an update. If site/ is gone
# (a fresh CI machine), RUNDBRIEF_PREVIOUS_SITE (the public address of the site) fetches the
# published calendar first.
# TARGET is where the site is published: a local folder (the web server's root), replaced as a
# whole at the end, or rsync's host:path (rsync and ssh access needed).
#
# A local TARGET is staged beside it (TARGET.new, TARGET.old), never inside it: a trailing slash
# is taken off.
#
# Environment: RUNDBRIEF (the command; default rundbrief), RUNDBRIEF_BUILD_OPTIONS (default
# empty; --strict once the legal pages are written), RUNDBRIEF_PULL=1 (git pull --ff-only first,
# for a working copy on a server), RUNDBRIEF_TODAY (pins the day; for tests), RUNDBRIEF_DB (the
# subscriber store, e.g. /var/lib/rundbrief/rundbrief.sqlite on the server of the service: the
# build refuses to publish any of its addresses; set, it must exist and be readable, so a typo
# cannot switch that check off; the build prints which store it checked).
# Exit status: 0 built and deployed; anything else: nothing was deployed (the message says why),
# and the site stays as it was (rundbrief build writes all or nothing).
set -eu

usage="usage: daily-build.sh PROJECT TARGET"
project=${1:?$usage}
target=${2:?$usage}
rundbrief=${RUNDBRIEF:-rundbrief}
case "$rundbrief" in /*) ;; */*) rundbrief="$(pwd)/$rundbrief" ;; esac
case "$target" in /*|*:*) ;; *) target="$(pwd)/$target" ;; esac
while [ "${target%/}" != "$target" ] && [ "$target" != / ]; do target=${target%/}; done  # site/ -> site
case "$target" in
/ | *: | "") echo "daily-build: TARGET must name a folder, not $target" >&2; exit 2 ;;
esac
if [ -n "${RUNDBRIEF_DB:-}" ]; then
    case "$RUNDBRIEF_DB" in /*) ;; *) RUNDBRIEF_DB="$(pwd)/$RUNDBRIEF_DB" ;; esac
    if [ ! -r "$RUNDBRIEF_DB" ]; then
        echo "daily-build: RUNDBRIEF_DB=$RUNDBRIEF_DB is no readable file: the check for subscriber addresses would be off; nothing was built" >&2
        exit 1
    fi
    export RUNDBRIEF_DB
fi

cd "$project"
if [ "${RUNDBRIEF_PULL:-0}" = 1 ]; then
    git pull --ff-only --quiet
fi
if [ ! -f site/termine/kalender.ics ] && [ -n "${RUNDBRIEF_PREVIOUS_SITE:-}" ]; then
    mkdir -p site/termine
    if ! curl --fail --silent --show-error --max-time 60 -o site/termine/kalender.ics \
        "${RUNDBRIEF_PREVIOUS_SITE%/}/termine/kalender.ics"; then
        rm -f site/termine/kalender.ics
        echo "daily-build: the published calendar could not be fetched; SEQUENCE starts again" >&2
    fi
fi

# shellcheck disable=SC2086 # the options are words
"$rundbrief" build --project . ${RUNDBRIEF_BUILD_OPTIONS:-}

case "$target" in
*:*)
    rsync -a --delete --delay-updates site/ "$target/"
    ;;
*)
    rm -rf "$target.new" "$target.old"
    mkdir -p "$(dirname "$target")"
    cp -a site "$target.new"
    if [ -d "$target" ]; then mv "$target" "$target.old"; fi
    mv "$target.new" "$target"
    rm -rf "$target.old"
    ;;
esac
echo "daily-build: deployed $(pwd)/site to $target"
