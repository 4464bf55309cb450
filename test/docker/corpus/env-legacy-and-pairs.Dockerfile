FROM debian:12
ENV LANG C.UTF-8
ENV APP_HOME /opt/my app
ENV A=1 B="two words" C=three\ words
ENV D=${A}-$B
LABEL maintainer="dev@example.com" version="1.0"
MAINTAINER Some One <someone@example.com>
WORKDIR ${APP_HOME}
