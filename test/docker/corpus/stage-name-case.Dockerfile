FROM alpine AS Base
RUN touch /marker
FROM BASE AS Final
COPY --from=Base /marker /marker
