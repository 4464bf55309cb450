FROM localhost:5000/team/base:dev AS a
FROM registry.example.com:8443/x/y/z AS b
FROM ubuntu@sha256:45b23dee08af5e43a7fea6c4cf9c25ccf269ee113168c19722f87876677c5cb2 AS c
FROM acme/tool:1.0 AS d
