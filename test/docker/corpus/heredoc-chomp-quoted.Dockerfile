FROM python:3.12-alpine
ARG GREETING=hello
RUN <<-'SCRIPT' python3
	import os
	print("$GREETING", os.getcwd())
	SCRIPT
COPY <<"CONF" /etc/app.conf
greeting=$GREETING
CONF
RUN <<-EOF sh
		echo "$GREETING"
	EOF
