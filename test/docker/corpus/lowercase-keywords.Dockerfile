from alpine:3.20 as base
run echo lower
copy . /app
Workdir /app
cmd ["sh"]
