ARG VARIANT
FROM mcr.microsoft.com/devcontainers/base:${VARIANT}
ARG USERNAME=vscode
RUN useradd ${USERNAME}
