FROM postgres:16
ENV PGDATA=/var/lib/postgresql/data/pgdata
VOLUME $PGDATA
USER postgres:postgres
WORKDIR /var/lib/postgresql
COPY --chown=postgres:postgres init/*.sql /docker-entrypoint-initdb.d/
