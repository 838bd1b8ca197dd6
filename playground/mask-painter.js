// The inpaint mask painter: paint white where the image should change, over the image itself.
import { fileToImage } from './images.js';

export class MaskPainter {
  constructor(canvas, brushInput) {
    this.canvas = canvas;
    this.brush = brushInput;
    this.mask = document.createElement('canvas');
    this.hasPaint = false;
    this.background = null;
    let isDown = false;
    const paint = (event) => {
      if (!isDown) return;
      const rect = canvas.getBoundingClientRect();
      const x = ((event.clientX - rect.left) / rect.width) * canvas.width;
      const y = ((event.clientY - rect.top) / rect.height) * canvas.height;
      const radius = (Number(this.brush.value) * canvas.width) / 512;
      const ctx = this.mask.getContext('2d');
      ctx.fillStyle = '#fff';
      ctx.beginPath();
      ctx.arc(x, y, radius / 2, 0, Math.PI * 2);
      ctx.fill();
      this.hasPaint = true;
      this.draw();
    };
    canvas.addEventListener('pointerdown', (e) => {
      isDown = true;
      canvas.setPointerCapture(e.pointerId);
      paint(e);
    });
    canvas.addEventListener('pointermove', paint);
    canvas.addEventListener('pointerup', () => (isDown = false));
  }

  /** Sizes the canvas (and the mask) to the image and shows it under the paint. */
  async load(file) {
    const image = await fileToImage(file);
    this.background = image;
    for (const c of [this.canvas, this.mask]) {
      c.width = image.naturalWidth;
      c.height = image.naturalHeight;
    }
    this.clear();
  }

  clear() {
    const ctx = this.mask.getContext('2d');
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, this.mask.width, this.mask.height);
    this.hasPaint = false;
    this.draw();
  }

  draw() {
    const ctx = this.canvas.getContext('2d');
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    if (this.background) ctx.drawImage(this.background, 0, 0);
    ctx.globalAlpha = 0.5;
    ctx.globalCompositeOperation = 'screen';
    ctx.drawImage(this.mask, 0, 0);
    ctx.globalAlpha = 1;
    ctx.globalCompositeOperation = 'source-over';
  }

  /** The mask as raw base64 PNG (white = repaint), or '' when nothing was painted. */
  maskBase64() {
    if (!this.hasPaint) return '';
    return this.mask.toDataURL('image/png').replace(/^data:[^,]*,/, '');
  }
}
