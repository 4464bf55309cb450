FROM alpine
RUN echo a \   
    && echo b
COPY a \	
     b /dest/
