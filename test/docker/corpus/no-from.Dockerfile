# a fragment meant to be included elsewhere
RUN echo one
COPY . /src
