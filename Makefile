# Two commands: `make run` serves the site, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
RUN_ENV := DJANGO_DEBUG=1 EMAIL_URL=consolemail://
PYTEST_ARGS ?=
.DEFAULT_GOAL := run

.PHONY: run test install install-dev messages catalogues migrate lint format check-deploy superuser clean

# Development settings for manage.py run by hand in this checkout (DEBUG on, mail to console).
.env:
	printf '%s\n' '# Development settings written by make (not for production; delete to drop).' \
		'DJANGO_DEBUG=1' 'EMAIL_URL=consolemail://' > $@

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP) $@

install: $(STAMP)
install-dev: $(DEV_STAMP) .env

# The translation catalogues (locale/*/LC_MESSAGES/django.po) compiled to .mo: msgfmt --check
# where GNU gettext is installed, polib otherwise (config/catalogues.py).
messages: $(STAMP)
	$(BIN)/python -m config.catalogues

# After changing a translatable string: refresh every catalogue from the code and templates
# (needs GNU gettext), then translate what msgmerge marked new or fuzzy.
MAKEMESSAGES := $(BIN)/python manage.py makemessages -l de -l fr -l es -l ar --no-obsolete \
	--ignore=.venv --ignore=tests --ignore=bench --ignore=static --ignore=staticfiles \
	--ignore=node_modules --ignore=locale
catalogues: $(STAMP)
	DJANGO_DEBUG=1 $(MAKEMESSAGES)

migrate: $(STAMP) .env messages
	$(RUN_ENV) $(BIN)/python manage.py migrate --noinput

# The mail worker (retries of mail the server could not send) runs beside the server and
# stops with it.
run: migrate
	$(RUN_ENV) $(BIN)/python manage.py db_worker --no-reload & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(RUN_ENV) $(BIN)/python manage.py runserver localhost:8000

superuser: migrate
	$(RUN_ENV) $(BIN)/python manage.py createsuperuser

test: $(DEV_STAMP) .env messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV_STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

check-deploy: $(STAMP)
	DJANGO_DEBUG=0 DJANGO_SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	DJANGO_ALLOWED_HOSTS=accounts.example.com \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles
