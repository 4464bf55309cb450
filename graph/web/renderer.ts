/**
 * Draws the graph: WebGL (points and lines, one draw call each) where the browser gives a WebGL
 * context, else Canvas 2D (edges batched per class in one path each, nodes as squares). Both
 * take the same {@link Frame}; labels go on a separate 2D canvas above (labels.ts).
 */
export interface View {
  scale: number;
  tx: number;
  ty: number;
}

export interface Frame {
  count: number;
  x: Float32Array;
  y: Float32Array;
  /** rgba per node, 0-255; alpha 0 hides the node. */
  colors: Uint8Array;
  /** Diameter in CSS pixels per node. */
  sizes: Float32Array;
  /** Node index pairs. */
  edges: Uint32Array;
  /** Per edge: 0 hidden, 1 dimmed, 2 normal, 3 highlighted (drawn last, on top). */
  edgeClass: Uint8Array;
  view: View;
}

export interface Renderer {
  readonly kind: 'webgl' | 'canvas';
  /** Why this renderer: shown on the page (`data-testid=renderer-note`). */
  readonly note: string;
  resize(width: number, height: number, dpr: number): void;
  draw(frame: Frame): void;
  /** Waits for the GPU to finish the last frame (for honest timings). */
  finish(): void;
}

export const EDGE_RGBA: Array<[number, number, number, number]> = [
  [0, 0, 0, 0],
  [120, 130, 150, 0.07],
  [120, 130, 150, 0.28],
  [230, 80, 40, 0.95],
];

/** `?renderer=`: `auto` (the default), or one renderer forced. */
export type RendererChoice = 'auto' | 'webgl' | 'canvas';

/** A WebGL implementation that rasterises on the CPU (Chromium without a GPU, Mesa without one). */
export const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software/i;

/**
 * What WebGL this browser gives, probed on a throw-away canvas (a canvas that has handed out a
 * WebGL context can never give a 2D one): null without WebGL, else the renderer's name.
 */
export function probeWebgl(): string | null {
  const probe = document.createElement('canvas').getContext('webgl');
  if (!probe) return null;
  const info = probe.getExtension('WEBGL_debug_renderer_info');
  const name = String(info ? probe.getParameter(info.UNMASKED_RENDERER_WEBGL) : probe.getParameter(probe.RENDERER));
  probe.getExtension('WEBGL_lose_context')?.loseContext();
  return name;
}

/**
 * WebGL where the browser has a GPU behind it; Canvas 2D where it has no WebGL, or only a
 * software rasteriser (there Canvas 2D draws the same frame faster: docs/benchmarks.md,
 * graph-view). `choice` forces one; a forced WebGL without WebGL still falls back.
 */
export function createRenderer(canvas: HTMLCanvasElement, choice: RendererChoice = 'auto'): Renderer {
  if (choice === 'canvas') return new CanvasRenderer(canvas, 'Canvas 2D (forced)');
  const gl = probeWebgl();
  if (gl === null) return new CanvasRenderer(canvas, 'Canvas 2D: this browser gives no WebGL');
  if (choice === 'auto' && SOFTWARE_GL.test(gl))
    return new CanvasRenderer(
      canvas,
      `Canvas 2D: WebGL here is a software rasteriser (${gl}); ?renderer=webgl forces it`,
    );
  const context = canvas.getContext('webgl', { antialias: true, preserveDrawingBuffer: true });
  return context ? new WebglRenderer(canvas, context, `WebGL (${gl})`) : new CanvasRenderer(canvas, 'Canvas 2D');
}

const VERTEX = `
attribute vec2 a_pos;
attribute vec4 a_color;
attribute float a_size;
uniform vec2 u_resolution;
uniform vec3 u_view;
varying vec4 v_color;
void main() {
  vec2 s = a_pos * u_view.x + u_view.yz;
  vec2 clip = s / u_resolution * 2.0 - 1.0;
  gl_Position = vec4(clip.x, -clip.y, 0.0, 1.0);
  gl_PointSize = a_size;
  v_color = a_color;
}`;

const FRAGMENT_POINTS = `
precision mediump float;
varying vec4 v_color;
void main() {
  vec2 d = gl_PointCoord - vec2(0.5);
  if (dot(d, d) > 0.25) discard;
  gl_FragColor = vec4(v_color.rgb * v_color.a, v_color.a);
}`;

const FRAGMENT_LINES = `
precision mediump float;
varying vec4 v_color;
void main() { gl_FragColor = vec4(v_color.rgb * v_color.a, v_color.a); }`;

class WebglRenderer implements Renderer {
  readonly kind = 'webgl';
  private readonly points: WebGLProgram;
  private readonly lines: WebGLProgram;
  private readonly buffer: WebGLBuffer;
  private width = 1;
  private height = 1;
  private dpr = 1;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly gl: WebGLRenderingContext,
    readonly note: string,
  ) {
    this.points = this.program(VERTEX, FRAGMENT_POINTS);
    this.lines = this.program(VERTEX, FRAGMENT_LINES);
    this.buffer = gl.createBuffer() as WebGLBuffer;
  }

  private program(vs: string, fs: string): WebGLProgram {
    const gl = this.gl;
    const p = gl.createProgram() as WebGLProgram;
    for (const [type, src] of [
      [gl.VERTEX_SHADER, vs],
      [gl.FRAGMENT_SHADER, fs],
    ] as const) {
      const s = gl.createShader(type) as WebGLShader;
      gl.shaderSource(s, src);
      gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s) ?? 'shader');
      gl.attachShader(p, s);
    }
    gl.linkProgram(p);
    return p;
  }

  resize(width: number, height: number, dpr: number): void {
    this.width = width;
    this.height = height;
    this.dpr = dpr;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
  }

  draw(f: Frame): void {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    // Interleaved x, y, r, g, b, a, size: edges by class (highlighted last), then nodes.
    const edgeCount = f.edges.length / 2;
    const data = new Float32Array((edgeCount * 2 + f.count) * 7);
    let o = 0;
    for (const cls of [1, 2, 3]) {
      const [r, g, b, a] = EDGE_RGBA[cls];
      for (let e = 0; e < edgeCount; e++) {
        if (f.edgeClass[e] !== cls) continue;
        for (const v of [f.edges[2 * e], f.edges[2 * e + 1]]) {
          data[o++] = f.x[v];
          data[o++] = f.y[v];
          data[o++] = r / 255;
          data[o++] = g / 255;
          data[o++] = b / 255;
          data[o++] = a;
          data[o++] = 1;
        }
      }
    }
    const lineVertices = o / 7;
    for (let i = 0; i < f.count; i++) {
      if (f.colors[4 * i + 3] === 0) continue;
      data[o++] = f.x[i];
      data[o++] = f.y[i];
      data[o++] = f.colors[4 * i] / 255;
      data[o++] = f.colors[4 * i + 1] / 255;
      data[o++] = f.colors[4 * i + 2] / 255;
      data[o++] = f.colors[4 * i + 3] / 255;
      data[o++] = f.sizes[i] * this.dpr;
    }
    const pointVertices = o / 7 - lineVertices;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buffer);
    gl.bufferData(gl.ARRAY_BUFFER, data.subarray(0, o), gl.STREAM_DRAW);
    for (const [program, mode, first, count] of [
      [this.lines, gl.LINES, 0, lineVertices],
      [this.points, gl.POINTS, lineVertices, pointVertices],
    ] as const) {
      gl.useProgram(program);
      const attr = (name: string, size: number, offset: number) => {
        const loc = gl.getAttribLocation(program, name);
        gl.enableVertexAttribArray(loc);
        gl.vertexAttribPointer(loc, size, gl.FLOAT, false, 28, offset);
      };
      attr('a_pos', 2, 0);
      attr('a_color', 4, 8);
      attr('a_size', 1, 24);
      gl.uniform2f(gl.getUniformLocation(program, 'u_resolution'), this.width, this.height);
      gl.uniform3f(gl.getUniformLocation(program, 'u_view'), f.view.scale, f.view.tx, f.view.ty);
      if (count > 0) gl.drawArrays(mode, first, count);
    }
  }

  finish(): void {
    const px = new Uint8Array(4);
    this.gl.readPixels(0, 0, 1, 1, this.gl.RGBA, this.gl.UNSIGNED_BYTE, px);
  }
}

class CanvasRenderer implements Renderer {
  readonly kind = 'canvas';
  private readonly ctx: CanvasRenderingContext2D;
  private width = 1;
  private height = 1;
  private dpr = 1;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    readonly note: string,
  ) {
    this.ctx = canvas.getContext('2d') as CanvasRenderingContext2D;
  }

  resize(width: number, height: number, dpr: number): void {
    this.width = width;
    this.height = height;
    this.dpr = dpr;
    this.canvas.width = Math.round(width * dpr);
    this.canvas.height = Math.round(height * dpr);
  }

  draw(f: Frame): void {
    const c = this.ctx;
    const { scale, tx, ty } = f.view;
    c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
    c.fillStyle = '#fff';
    c.fillRect(0, 0, this.width, this.height);
    const edgeCount = f.edges.length / 2;
    for (const cls of [1, 2, 3]) {
      const [r, g, b, a] = EDGE_RGBA[cls];
      c.strokeStyle = `rgba(${r},${g},${b},${a})`;
      c.lineWidth = cls === 3 ? 2 : 1;
      c.beginPath();
      for (let e = 0; e < edgeCount; e++) {
        if (f.edgeClass[e] !== cls) continue;
        const s = f.edges[2 * e];
        const t = f.edges[2 * e + 1];
        c.moveTo(f.x[s] * scale + tx, f.y[s] * scale + ty);
        c.lineTo(f.x[t] * scale + tx, f.y[t] * scale + ty);
      }
      c.stroke();
    }
    let last = -1;
    for (let i = 0; i < f.count; i++) {
      const a = f.colors[4 * i + 3];
      if (a === 0) continue;
      const key = (f.colors[4 * i] << 24) | (f.colors[4 * i + 1] << 16) | (f.colors[4 * i + 2] << 8) | a;
      if (key !== last) {
        c.fillStyle = `rgba(${f.colors[4 * i]},${f.colors[4 * i + 1]},${f.colors[4 * i + 2]},${a / 255})`;
        last = key;
      }
      const s = f.sizes[i];
      c.fillRect(f.x[i] * scale + tx - s / 2, f.y[i] * scale + ty - s / 2, s, s);
    }
  }

  finish(): void {}
}
