// A small hand-drawn chart: the last values as a line over a light fill, scaled from zero to the
// largest value shown. Sharp on high-density screens.

export function drawSparkline(canvas, values, colour) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
  }
  const g = canvas.getContext('2d');
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const points = values.map((v) => (v === null || Number.isNaN(v) ? 0 : v));
  if (points.length < 2) return;
  const max = Math.max(1, ...points) * 1.1;
  const step = width / (points.length - 1);
  const y = (v) => height - 1 - (v / max) * (height - 2);
  g.beginPath();
  points.forEach((v, i) => (i === 0 ? g.moveTo(0, y(v)) : g.lineTo(i * step, y(v))));
  g.strokeStyle = colour;
  g.lineWidth = 1.5;
  g.stroke();
  g.lineTo(width, height);
  g.lineTo(0, height);
  g.closePath();
  g.globalAlpha = 0.12;
  g.fillStyle = colour;
  g.fill();
  g.globalAlpha = 1;
}
