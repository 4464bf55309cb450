FROM alpine
RUN echo ok
COPPY a.txt /a.txt
RUN echo still parsed
